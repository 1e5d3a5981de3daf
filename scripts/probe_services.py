"""Exit 0 when both PostgreSQL and Redis answer at the given URLs, 1 (saying which did not) otherwise."""

import socket
import sys
from urllib.parse import urlsplit


def answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port), timeout=2):
            return True
    except OSError:
        return False


def main(pg_url: str, redis_url: str) -> int:
    missing = [name for name, url in (("PostgreSQL", pg_url), ("Redis", redis_url)) if not answers(url)]
    for name in missing:
        print(f"{name} does not answer", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
