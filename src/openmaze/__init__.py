"""openmaze: a self-hostable implementation of the TVmaze Premium User API."""

__version__ = "0.1.0"
