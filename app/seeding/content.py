"""What generated posts and comments say: tag vocabulary and Markdown templates.

Rendering Markdown (with highlighted code) costs milliseconds per body, far too much for a
million posts, so a few hundred distinct bodies are written and rendered once each and every
generated post reuses one of them: body, body_html and body_text always come from one render.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from app.posts.markdown import render_markdown

# About 200 developer topics, most used first: tags are drawn with a Zipf-like skew on this order.
TAGS: tuple[str, ...] = (
    "python", "javascript", "rust", "go", "typescript", "postgresql", "webdev", "devops",
    "linux", "docker", "kubernetes", "sql", "react", "career", "opensource", "testing",
    "security", "performance", "databases", "aws", "git", "api", "backend", "frontend",
    "beginners", "tutorial", "productivity", "architecture", "cloud", "machinelearning",
    "java", "kotlin", "swift", "cpp", "c", "csharp", "dotnet", "ruby", "rails", "php",
    "laravel", "django", "flask", "fastapi", "nodejs", "deno", "bun", "vue", "svelte",
    "angular", "nextjs", "htmx", "css", "html", "accessibility", "ux", "design", "redis",
    "sqlite", "mysql", "mongodb", "elasticsearch", "kafka", "rabbitmq", "graphql", "grpc",
    "rest", "websockets", "http", "networking", "dns", "tls", "oauth", "jwt", "auth",
    "cryptography", "privacy", "observability", "monitoring", "logging", "tracing",
    "prometheus", "grafana", "opentelemetry", "sre", "incident", "postmortem", "oncall",
    "terraform", "ansible", "nix", "bash", "shell", "vim", "neovim", "emacs", "vscode",
    "terminal", "dotfiles", "compilers", "interpreters", "wasm", "webassembly", "llvm",
    "haskell", "ocaml", "elixir", "erlang", "clojure", "scala", "zig", "julia", "r",
    "datascience", "pandas", "numpy", "jupyter", "statistics", "ai", "llm", "nlp",
    "computervision", "deeplearning", "pytorch", "mlops", "dataengineering", "etl",
    "spark", "dbt", "airflow", "streaming", "concurrency", "async", "threads", "gc",
    "memory", "profiling", "benchmarking", "caching", "cdn", "serverless", "microservices",
    "monolith", "ddd", "refactoring", "cleancode", "codereview", "pairprogramming", "tdd",
    "ci", "cd", "github", "gitlab", "monorepo", "packaging", "dependencies", "semver",
    "documentation", "writing", "mentoring", "hiring", "interviews", "remote", "burnout",
    "management", "leadership", "startup", "freelance", "indiehacker", "gamedev", "godot",
    "unity", "graphics", "opengl", "vulkan", "embedded", "arduino", "raspberrypi", "iot",
    "robotics", "hardware", "mobile", "android", "ios", "flutter", "reactnative",
    "algorithms", "datastructures", "math", "distributedsystems", "consensus", "raft",
    "databaseinternals", "indexes", "search", "fulltext", "regex", "unicode", "datetime",
    "i18n", "showdev", "til", "discuss", "news", "meta", "weekend", "fun",
)  # fmt: skip

# Fenced code samples per language, with the tag each language suggests.
CODE: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": (
        "python",
        (
            "async def fetch_all(urls):\n    async with httpx.AsyncClient() as client:\n"
            "        return await asyncio.gather(*(client.get(u) for u in urls))",
            "from functools import cache\n\n@cache\ndef fib(n: int) -> int:\n"
            "    return n if n < 2 else fib(n - 1) + fib(n - 2)",
            "with open(path, encoding='utf-8') as handle:\n"
            "    counts = Counter(line.split()[0] for line in handle if line.strip())",
            "@dataclass(frozen=True)\nclass Point:\n    x: float\n    y: float\n\n"
            "    def norm(self) -> float:\n        return (self.x ** 2 + self.y ** 2) ** 0.5",
        ),
    ),
    "javascript": (
        "javascript",
        (
            "const debounce = (fn, ms) => {\n  let timer;\n  return (...args) => {\n"
            "    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n};",
            "const res = await fetch('/api/v1/feed/latest');\nconst { items } = await res.json();\n"
            "console.log(items.map((p) => p.id));",
            "document.querySelectorAll('pre code').forEach((el) => {\n"
            "  el.addEventListener('dblclick', () =>\n"
            "    navigator.clipboard.writeText(el.innerText));\n"
            "});",
        ),
    ),
    "typescript": (
        "typescript",
        (
            "type Result<T> = { ok: true; value: T } | { ok: false; error: string };\n\n"
            "function parse(raw: string): Result<number> {\n  const n = Number(raw);\n"
            "  return Number.isNaN(n) ? { ok: false, error: 'nan' } : { ok: true, value: n };\n}",
            "interface Post {\n  id: number;\n  body: string;\n  tags: string[];\n}\n\n"
            "const byTag = (posts: Post[], tag: string) =>\n"
            "  posts.filter((p) => p.tags.includes(tag));",
        ),
    ),
    "go": (
        "go",
        (
            "func worker(ctx context.Context, jobs <-chan Job, out chan<- Result) {\n"
            "\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn\n"
            "\t\tcase j := <-jobs:\n\t\t\tout <- j.Run()\n\t\t}\n\t}\n}",
            "if err := db.QueryRowContext(ctx, q, id).Scan(&name); err != nil {\n"
            '\treturn fmt.Errorf("load user %d: %w", id, err)\n}',
            "var mu sync.Mutex\nmu.Lock()\ndefer mu.Unlock()\ncache[key] = value",
        ),
    ),
    "rust": (
        "rust",
        (
            "fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {\n"
            "    if x.len() > y.len() { x } else { y }\n}",
            "let total: u64 = lines\n    .iter()\n    .filter_map(|l| l.parse::<u64>().ok())\n"
            "    .sum();",
            "#[derive(Debug, Clone, serde::Serialize)]\nstruct Event {\n    id: u64,\n"
            "    kind: String,\n}",
            "match map.entry(key) {\n    Entry::Occupied(mut e) => *e.get_mut() += 1,\n"
            "    Entry::Vacant(e) => { e.insert(1); }\n}",
        ),
    ),
    "sql": (
        "sql",
        (
            "SELECT author_id, count(*) AS posts\nFROM posts\n"
            "WHERE created_at > now() - interval '7 days'\nGROUP BY author_id\n"
            "ORDER BY posts DESC\nLIMIT 10;",
            "CREATE INDEX CONCURRENTLY ix_orders_customer_created\n"
            "    ON orders (customer_id, created_at DESC);",
            "EXPLAIN (ANALYZE, BUFFERS)\nSELECT * FROM events WHERE (created_at, id) < ($1, $2)\n"
            "ORDER BY created_at DESC, id DESC LIMIT 20;",
            "WITH RECURSIVE tree AS (\n  SELECT id, parent_id FROM comments WHERE id = 1\n"
            "  UNION ALL\n  SELECT c.id, c.parent_id\n"
            "  FROM comments c JOIN tree t ON c.parent_id = t.id\n"
            ")\nSELECT count(*) FROM tree;",
        ),
    ),
    "bash": (
        "bash",
        (
            "find . -name '*.log' -mtime +7 -print0 | xargs -0 rm -f",
            'for f in *.csv; do\n  wc -l "$f"\ndone | sort -n | tail -5',
            "git log --since='2 weeks ago' --pretty=format:'%an' | sort | uniq -c | sort -rn",
        ),
    ),
    "java": (
        "java",
        (
            "record User(long id, String name) {}\n\n"
            "var names = users.stream().map(User::name).sorted().toList();",
            "try (var conn = dataSource.getConnection();\n"
            "     var stmt = conn.prepareStatement(SQL)) {\n    stmt.setLong(1, id);\n"
            "    return stmt.executeQuery().next();\n}",
        ),
    ),
    "kotlin": (
        "kotlin",
        (
            "data class Post(val id: Long, val body: String)\n\n"
            "suspend fun load(ids: List<Long>) = coroutineScope {\n"
            "    ids.map { async { repo.find(it) } }.awaitAll()\n}",
        ),
    ),
    "ruby": (
        "ruby",
        (
            "def word_counts(text)\n"
            "  text.downcase.scan(/\\w+/).tally.sort_by { |_, n| -n }.first(10)\nend",
            "Post.where(created_at: 1.week.ago..).includes(:author).find_each do |post|\n"
            "  puts post.title\nend",
        ),
    ),
    "elixir": (
        "elixir",
        (
            "def handle_info(:tick, state) do\n  Process.send_after(self(), :tick, 1_000)\n"
            "  {:noreply, %{state | count: state.count + 1}}\nend",
        ),
    ),
    "haskell": (
        "haskell",
        (
            "quicksort :: Ord a => [a] -> [a]\nquicksort [] = []\n"
            "quicksort (p:xs) =\n"
            "  quicksort [x | x <- xs, x < p] ++ [p] ++ quicksort [x | x <- xs, x >= p]",
        ),
    ),
    "cpp": (
        "cpp",
        (
            "std::vector<int> v{5, 3, 1, 4};\nstd::ranges::sort(v);\n"
            "for (auto x : v | std::views::filter([](int n) { return n % 2; })) {\n"
            "    std::cout << x << '\\n';\n}",
        ),
    ),
    "yaml": (
        "kubernetes",
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
            "  replicas: 3\n  template:\n    spec:\n      containers:\n"
            "        - name: web\n          image: registry.example.com/web:1.4.2",
        ),
    ),
    "dockerfile": (
        "docker",
        (
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml .\n"
            "RUN pip install --no-cache-dir .\nCOPY . .\n"
            'CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]',
        ),
    ),
}

OPENERS = (
    "TIL:",
    "Today I learned something small that saved me an hour.",
    "Hot take:",
    "Question for the crowd:",
    "Shipped it!",
    "A small thing I keep relearning.",
    "Debugging story of the week.",
    "Unpopular opinion:",
    "Finally understood this after years.",
    "Notes from a code review today.",
    "Weekend project update.",
    "Something that surprised me in production:",
    "A quick tip for newcomers.",
    "Benchmark results are in.",
    "Reading the source paid off again.",
)

SUBJECTS = (
    "keyset pagination",
    "the Postgres query planner",
    "async IO",
    "connection pooling",
    "the borrow checker",
    "goroutine leaks",
    "React server components",
    "database indexes",
    "feature flags",
    "structured logging",
    "flaky tests",
    "a memory leak in a long-running worker",
    "cache invalidation",
    "the garbage collector",
    "TLS certificates",
    "Unicode normalization",
    "time zones",
    "rate limiting",
    "full-text search",
    "WebSocket reconnects",
    "monorepo tooling",
    "Docker layer caching",
    "Kubernetes readiness probes",
    "type hints",
    "error handling",
    "property-based testing",
    "code generation",
    "SQLite in production",
    "Redis pub/sub",
    "zero-downtime migrations",
)

CLAIMS = (
    "{subject} is simpler than it looks once you draw the data flow on paper.",
    "Most of our latency came from {subject}, not from the code we were staring at.",
    "I used to avoid {subject}; now it is the first thing I check.",
    "The documentation on {subject} is good, but the examples skip the hard part.",
    "We replaced a clever hack with plain {subject} and the pager went quiet.",
    "If you measure only one thing this week, measure {subject}.",
    "{subject} bit us again: the fix was one line, finding it took two days.",
    "Teaching {subject} to a junior colleague made me understand it properly.",
    "There is a whole class of bugs that disappears when you get {subject} right.",
    "I wrote down how {subject} works in our stack so nobody has to guess again.",
)

DETAILS = (
    "The trick was to read the plan before adding another index.",
    "Tests caught nothing because the fixture data was too small.",
    "Profiling showed the hot loop spent most of its time allocating.",
    "Turning on the slow query log told us more than any dashboard.",
    "The old code retried forever; the new code gives up after three attempts with jitter.",
    "Batching the writes cut the run time from minutes to seconds.",
    "A tiny reproduction made the upstream maintainers fix it the same day.",
    "Half of the problem was a default nobody had ever looked at.",
    "We now have a test that fails loudly when this regresses.",
    "Latency at p99 dropped by an order of magnitude.",
    "It only happened under load, on Mondays, after a deploy.",
    "Reading the changelog would have saved us the afternoon.",
)

TIPS = (
    "measure before you optimize",
    "keep transactions short",
    "log the request id everywhere",
    "pin your dependencies",
    "write the migration and its rollback together",
    "prefer boring technology",
    "make the error message say what to do next",
    "delete dead code",
    "read the stack trace from the bottom",
    "test the unhappy path",
    "automate the second time, not the first",
    "name things after what they mean, not how they work",
)

LINKS = (
    ("the PostgreSQL docs on indexes", "https://www.postgresql.org/docs/current/indexes.html"),
    ("Python's asyncio reference", "https://docs.python.org/3/library/asyncio.html"),
    ("The Rust Book", "https://doc.rust-lang.org/book/"),
    ("Effective Go", "https://go.dev/doc/effective_go"),
    ("MDN on fetch", "https://developer.mozilla.org/en-US/docs/Web/API/Fetch_API"),
    ("the SQLite FTS5 page", "https://www.sqlite.org/fts5.html"),
    ("the htmx docs", "https://htmx.org/docs/"),
    ("the Kubernetes probes guide", "https://kubernetes.io/docs/concepts/configuration/"),
    ("Use The Index, Luke", "https://use-the-index-luke.com/"),
    ("the Redis pub/sub docs", "https://redis.io/docs/latest/develop/interact/pubsub/"),
)

CLOSERS = (
    "What would you have done?",
    "Curious how others handle this.",
    "Happy to share the full write-up if anyone is interested.",
    "Lesson learned.",
    "Back to work.",
    "Thoughts?",
    "",
)

COMMENTS = (
    "Great write-up, thanks for sharing!",
    "We hit exactly the same thing last month.",
    "Did you try measuring it with `EXPLAIN (ANALYZE, BUFFERS)` first?",
    "This is the kind of post I come here for.",
    "Saving this for later.",
    "I disagree a little: it depends a lot on the workload.",
    "Could you share the benchmark setup?",
    "Nice, but watch out for the edge case with empty input.",
    "+1, **boring technology** wins again.",
    "The docs really should mention this.",
    "Which version were you on?",
    "We solved it with a feature flag and a slow rollout.",
    "Thanks, this finally made it click for me.",
    "Have you looked at doing it in a background job instead?",
    "Same here, switching to keyset pagination fixed our deep pages.",
    "How did you test it?",
    "Love the `one line fix, two days to find it` part, so true.",
    "Bookmarked. The link to the docs is gold.",
    "In our case the culprit was the ORM doing N+1 queries.",
    "Strong agree. Measure first.",
)


# Stands for a word of each post's own (a project name) until the post is made; an inert
# lower-case word comes out of any Markdown renderer as it went in.
WORD_SLOT = "zqxslotqz"
SYLLABLES = (
    "ka", "lo", "ven", "tri", "mar", "zo", "pel", "qui", "dra", "nix", "sol", "bex", "tor",
    "ari", "fen", "gul", "hyd", "io", "jas", "kep", "lum", "mox", "nor", "oph", "pry", "ras",
)  # fmt: skip


@dataclass(frozen=True)
class Template:
    """One distinct body rendered once; every post that uses it shares these strings."""

    body: str
    html: str
    text: str
    tags: tuple[str, ...]
    mentions: tuple[str, ...]
    language_tag: str | None

    @property
    def has_slot(self) -> bool:
        """Tell whether each post puts its own word in this body (found once everywhere)."""
        return all(part.count(WORD_SLOT) == 1 for part in (self.body, self.html, self.text))

    def with_word(self, word: str) -> tuple[str, str, str]:
        """Return body, html and text with the post's own word in the slot."""
        if not self.has_slot:
            return self.body, self.html, self.text
        return (
            self.body.replace(WORD_SLOT, word),
            self.html.replace(WORD_SLOT, word),
            self.text.replace(WORD_SLOT, word),
        )


def project_words(count: int, random_seed: int = 7) -> list[str]:
    """Return ``count`` distinct made-up project names, in a fixed order (used Zipf-like)."""
    rng = random.Random(random_seed)
    words: dict[str, None] = {}
    while len(words) < count:
        words.setdefault("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))), None)
    return list(words)


def _paragraph(rng: random.Random) -> str:
    subject = rng.choice(SUBJECTS)
    claim = rng.choice(CLAIMS).format(subject=subject)
    claim = claim[0].upper() + claim[1:]
    details = " ".join(rng.sample(DETAILS, rng.randint(1, 2)))
    return f"{claim} {details}"


def post_source(rng: random.Random, mention_names: list[str]) -> tuple[str, str | None]:
    """Write one Markdown post body; return it with the tag its code language suggests."""
    parts = [f"{rng.choice(OPENERS)} {_paragraph(rng)} This came up while working on {WORD_SLOT}."]
    language_tag = None
    if rng.random() < 0.55:
        language = rng.choice(list(CODE))
        language_tag, samples = CODE[language]
        parts.append(f"```{language}\n{rng.choice(samples)}\n```")
    if rng.random() < 0.45:
        parts.append(_paragraph(rng))
    if rng.random() < 0.35:
        items = rng.sample(TIPS, rng.randint(2, 4))
        bullet = rng.choice(("-", "*", "1."))
        parts.append("\n".join(f"{bullet} {item[0].upper()}{item[1:]}" for item in items))
    if rng.random() < 0.3:
        title, url = rng.choice(LINKS)
        parts.append(f"More in [{title}]({url}).")
    if mention_names and rng.random() < 0.12:
        names = rng.sample(mention_names, min(len(mention_names), rng.randint(1, 2)))
        parts.append("cc " + " ".join(f"@{name}" for name in names))
    closer = rng.choice(CLOSERS)
    if closer:
        parts.append(closer)
    return "\n\n".join(parts), language_tag


def comment_source(rng: random.Random) -> str:
    """Write one short Markdown comment."""
    first = rng.choice(COMMENTS)
    if rng.random() < 0.3:
        return f"{first} {rng.choice(DETAILS)}"
    return first


def render_templates(
    sources: list[tuple[str, str | None]],
    resolve_mentions: Callable[[set[str]], dict[str, str]] | None = None,
) -> list[Template]:
    """Render each distinct source once, keeping the tags and mentions the renderer found."""
    templates = []
    for body, language_tag in sources:
        rendered = render_markdown(body, resolve_mentions=resolve_mentions)
        templates.append(
            Template(
                body=body,
                html=rendered.html,
                text=rendered.text,
                tags=tuple(rendered.tags),
                mentions=tuple(rendered.mentions),
                language_tag=language_tag,
            )
        )
    return templates


def post_templates(
    rng: random.Random,
    count: int,
    mention_names: list[str],
    resolve_mentions: Callable[[set[str]], dict[str, str]] | None = None,
) -> list[Template]:
    """Write and render ``count`` distinct post bodies."""
    sources: dict[str, str | None] = {}
    attempts = 0
    while len(sources) < count and attempts < count * 20:
        body, language_tag = post_source(rng, mention_names)
        sources.setdefault(body, language_tag)
        attempts += 1
    return render_templates(list(sources.items()), resolve_mentions)


def comment_templates(rng: random.Random, count: int) -> list[Template]:
    """Write and render up to ``count`` distinct comment bodies."""
    sources: dict[str, None] = {}
    for _ in range(count * 5):
        if len(sources) >= count:
            break
        sources.setdefault(comment_source(rng), None)
    return render_templates(list(sources.items()))
