"""The image proxy: pictures from other hosts are fetched by the server, never by the reader.

``signing`` turns an image address found in a post into the app's own signed ``/img/...``
address; ``fetch`` gets the bytes without ever reaching a private address; ``store`` keeps them
(Redis or a folder under instance/); ``service`` ties them together; ``views`` serves them.
The rules are in docs/security.md ("Pictures from other hosts").
"""
