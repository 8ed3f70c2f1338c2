"""responder: incident response for a leaked Binance API key."""

__version__ = "0.1.0"
