"""pivot_async: the asyncio-native client for the Pivot Payment gateway."""

__version__ = "0.1.0"
