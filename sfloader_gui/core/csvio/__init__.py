"""CSV input: encoding and dialect sniffing, one-pass checks and splitting, part streams, streaming gzip."""
