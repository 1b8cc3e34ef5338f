"""The command line's subcommands (``python -m fmnist_core``)."""
