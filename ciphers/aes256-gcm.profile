# AES-256-GCM: 14 AES rounds instead of 10, SHA-384 for the key schedule.
description   = TLS 1.3, AES-256-GCM records, default key exchange
tls_min       = 1.3
tls13_ciphers = TLS_AES_256_GCM_SHA384
