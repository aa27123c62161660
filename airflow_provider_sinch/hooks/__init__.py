"""Sinch hooks (one module per API: campaign, short_code, ten_dlc)."""
