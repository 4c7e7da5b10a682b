"""Entry-point module: adds ``writesmooth serve``. Imports only writesmooth and typer at the
top; the server (Starlette, uvicorn) and the models load when the command runs."""
import writesmooth


@writesmooth.hookimpl
def register_commands(app):
    from .serve import serve

    app.command("serve")(serve)
