"""The API layer: what each Sinch API *is*, with no HTTP client and no Airflow.

One module per API (:mod:`.campaign`, :mod:`.short_code`, :mod:`.ten_dlc`) holds its endpoint
descriptions, response types, status decisions and every operation that takes more than one
call. An operation is a generator that yields :class:`~._core.Call` descriptions and receives
their parsed answers; the sync transport (``requests``, under the hooks) and the async transport
(``httpx``, under the triggers) both drive it, so each check is written once and tested by
feeding it canned answers.
"""
