"""The certificate pages, one module per audience: `public` (anyone: the lookup form, the scanned QR code, the
offline signature check, the public key), `staff` and `holder`."""
