"""The certificate pages: `public` (verification by anyone, the scanned QR code, the public key)."""
