"""The allied network: national tracking nodes, links, releasability with provenance,
track-to-track association and fusion, and the fused pictures (docs/network.md)."""
