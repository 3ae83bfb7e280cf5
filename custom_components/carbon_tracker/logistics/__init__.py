"""Logistics (circulation) monitoring: shipment emissions from outbound records."""
