"""API routes for pictures: upload one for posts, set or drop your avatar."""

from __future__ import annotations

from flask import request

from app.accounts.payloads import PrivateUser, private_user
from app.api import bp
from app.api.common import api_user
from app.api.spec import operation
from app.media import services
from app.media.payloads import AvatarUpload, MediaOut, PictureUpload, media_payload
from app.media.uploads import read_upload
from app.ratelimits import upload_limit


@bp.post("/media")
@upload_limit
@operation(
    "Upload a picture for your posts",
    "Pictures",
    {201: ("The stored picture; put `![alt](url)` in a post.", MediaOut)},
    upload=PictureUpload,
    auth=True,
    description="Re-encoded (metadata such as EXIF and GPS dropped, EXIF rotation applied), "
    "at most 2,048 px on its longest side. Not a picture, SVG, a decompression bomb, too many "
    "frames or a damaged file: 422 on `file`; a full quota: 422 too. Larger than "
    "MEDIA_MAX_BYTES: 413, before the body is read.",
)
def upload_media():
    """Store an uploaded picture and return its address and size."""
    data = read_upload(declared=PictureUpload)
    alt = request.form.get("alt")
    return media_payload(services.upload_picture(owner=api_user(), data=data, alt=alt)), 201


@bp.put("/me/avatar")
@upload_limit
@operation(
    "Set your avatar",
    "Me",
    {200: ("Your private profile, with the new `avatar_url` (400 px).", PrivateUser)},
    upload=AvatarUpload,
    auth=True,
    description="Cropped to a centred square; kept at 400, 96 and 40 px (`-400` in the "
    "address becomes `-96` or `-40`). The previous avatar is deleted.",
)
def put_avatar():
    """Make the uploaded picture your avatar."""
    return private_user(
        services.set_avatar(user=api_user(), data=read_upload(declared=AvatarUpload))
    )


@bp.delete("/me/avatar")
@operation(
    "Go back to the generated avatar",
    "Me",
    {204: ("Your uploaded avatar is deleted.", None)},
    auth=True,
)
def delete_avatar():
    """Delete your uploaded avatar."""
    services.remove_avatar(user=api_user())
