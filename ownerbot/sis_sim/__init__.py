"""The SIS simulator: a contract-faithful SIS (`SIS_CONTRACT.md`) over its own seeded demo shop, with faults.

`ownerbot sis-sim --port 8700` runs it; tests start it in-process on port 0 (`server.start_simulator`).
See docs/sis-simulator.md.
"""
