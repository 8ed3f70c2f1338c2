"""Everything that talks Binance: signing, models parsed at the edge, the REST client, the rate budget."""
