# ChaCha20-Poly1305 needs only plain SIMD; it beats AES-GCM on CPUs without
# AES instructions (older or small ARM cores) and loses to it on CPUs with them.
description   = TLS 1.3, ChaCha20-Poly1305 records, default key exchange
tls_min       = 1.3
tls13_ciphers = TLS_CHACHA20_POLY1305_SHA256
