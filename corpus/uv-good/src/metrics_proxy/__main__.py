import os
import time

import httpx
from prometheus_client import Gauge, start_http_server

UPSTREAM = os.environ.get("UPSTREAM", "http://localhost:9000/status")
up = Gauge("upstream_up", "1 if the upstream answered")

if __name__ == "__main__":
    start_http_server(8080)
    while True:
        try:
            up.set(1 if httpx.get(UPSTREAM, timeout=2).is_success else 0)
        except httpx.HTTPError:
            up.set(0)
        time.sleep(15)
