"""ipconform wire agent: builds, injects, captures and dissects frames with Scapy."""
