#!/usr/bin/env python3
"""Writes the load benchmark's inputs: signed Shopify orders/create deliveries (one
line each: webhook id, signature, body, tab-separated) and an NDJSON file of canonical
events of the same shape as the batched HTTP requests, for `tally append`'s rate."""
import base64, hashlib, hmac, json, sys

deliveries, events, secret, out_deliveries, out_events = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4], sys.argv[5]

with open(out_deliveries, "w") as f:
    for i in range(deliveries):
        order_id = 6000000000000000000 + i
        body = json.dumps({
            "id": order_id, "name": f"#{100000 + i}", "email": f"c{i % 5000}@example.com",
            "created_at": "2026-11-27T10:%02d:%02d-05:00" % (i // 60 % 60, i % 60),
            "currency": "USD", "total_price": "39.98", "location_id": None,
            "line_items": [{"id": 7000000000000000000 + 2 * i, "sku": f"SKU-{i % 500}", "quantity": 2, "price": "19.99",
                            "total_discount": "0.00", "discount_allocations": []}],
        }, separators=(",", ":"))
        sig = base64.b64encode(hmac.new(secret, body.encode(), hashlib.sha256).digest()).decode()
        f.write(f"wh-{i}\t{sig}\t{body}\n")

with open(out_events, "w") as f:
    for i in range(events):
        f.write(json.dumps({"id": f"append-{i}", "type": "inventory.adjusted", "occurred_at": "2026-11-27T10:00:00Z",
                            "source": "bench", "data": {"sku": f"SKU-{i % 500}", "location": "main", "delta": 1, "reason": "restock"}},
                           separators=(",", ":")) + "\n")
