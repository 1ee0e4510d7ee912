"""``python run.py ...`` is the same CLI as the ``perfect-storm`` console script."""

from storm_cli import main

if __name__ == "__main__":
    main()
