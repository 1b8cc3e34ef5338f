"""The classic tutorials as recipes: their settings, their code and their results."""
