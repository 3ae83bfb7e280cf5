"""Site publisher: a site's ports, published to the region through HA's MQTT integration."""
