"""writesmooth-web: a page where a person writes with a pen and gets neat handwriting back, and
the HTTP API it uses (docs/web.md). ``writesmooth serve`` starts it."""
