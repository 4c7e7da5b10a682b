"""``python -m writesmooth``: the same CLI as the ``writesmooth`` script."""
from writesmooth.cli.main import main

if __name__ == "__main__":
    main()
