"""The small demo data set `make run` loads on first start: posts, comments, follows, a chat."""

from __future__ import annotations

from app.accounts.queries import find_by_username
from app.extensions import db
from app.posts.models import Post

POSTS = [
    (
        "guido",
        "Structural pattern matching is underrated.\n\n```python\nmatch event:\n"
        '    case {"type": "click", "x": x, "y": y}:\n        handle_click(x, y)\n'
        '    case {"type": "key", "key": key} if key.isprintable():\n        handle_key(key)\n'
        "    case _:\n        pass\n```\n\nWhat do you use it for? #python #tips",
    ),
    (
        "linus",
        "Reminder: `git rebase -i` is your friend before you open a pull request.\n\n"
        "- squash the fixups\n- reword the messages\n- keep history readable\n\ncc @grace #git",
    ),
    (
        "margaret",
        "> Error handling is not an afterthought; it is the design.\n\n"
        "Our checklist for every release:\n\n| phase | checks |\n|---|---|\n| launch | 3 |\n"
        "| orbit | 7 |\n| landing | 12 |\n\n#engineering #reliability",
    ),
    (
        "barbara",
        "A subtype must keep every promise of its parent. If your `Square` breaks "
        "`Rectangle.set_width`, it is not a rectangle, whatever the geometry says. #oop #design",
    ),
    (
        "grace",
        "Found a moth in relay 70 today. First actual case of a bug being found. 🪲\n\n"
        "```js\n// still true, decades later\nconst bug = relays.find(r => r.hasMoth);\n```\n"
        "#history",
    ),
    (
        "ada",
        "The engine might compose elaborate pieces of music if the relations of pitched "
        "sounds could be expressed in notation. Who is building generative music with #rust? "
        "@guido, any Python libraries you like?",
    ),
]


def seed_demo_content() -> bool:
    """Add demo posts, comments, reactions, follows and a conversation once; report if it did."""
    if db.session.query(Post.id).first() is not None:
        return False
    from app.messaging import services as messaging
    from app.posts import services as posts
    from app.social import services as social

    people = {
        name: find_by_username(name)
        for name in ("ada", "grace", "linus", "margaret", "guido", "barbara")
    }
    if any(user is None for user in people.values()):
        return False
    made = [posts.create_post(author=people[name], body=body) for name, body in POSTS]
    for follower, followees in {
        "ada": ["grace", "guido", "linus", "margaret"],
        "grace": ["ada", "margaret"],
        "guido": ["ada", "barbara"],
        "linus": ["grace"],
        "margaret": ["ada", "grace"],
        "barbara": ["ada", "guido"],
    }.items():
        for followee in followees:
            social.follow(follower=people[follower], username=followee)
    for name, kind, index in [
        ("ada", "like", 0),
        ("grace", "insightful", 0),
        ("barbara", "like", 0),
        ("ada", "celebrate", 2),
        ("guido", "laugh", 4),
        ("linus", "like", 4),
        ("margaret", "love", 5),
        ("grace", "like", 5),
    ]:
        posts.react(post_id=made[index].id, user=people[name], kind=kind)
    first = posts.add_comment(
        post_id=made[0].id,
        author=people["ada"],
        body="Parsing ASTs, mostly. Much nicer than `isinstance` chains.",
    )
    posts.add_comment(
        post_id=made[0].id,
        author=people["guido"],
        body="Exactly the use case it was made for!",
        parent_id=first.id,
    )
    posts.add_comment(
        post_id=made[5].id,
        author=people["guido"],
        body="Have a look at `mido` for MIDI, and `music21` for notation.",
    )
    conversation, _ = messaging.start_conversation(user=people["grace"], username="ada")
    messaging.send_message(
        conversation_id=conversation.id,
        sender=people["grace"],
        body="Ada, are you coming to the compiler meetup on Thursday?",
    )
    return True
