from .cli import cli

# Guarded, as multiprocessing asks of a main module (workers start from a fork server).
if __name__ == "__main__":
    cli()
