"""Remote sites: the central Home Assistant of a region, counting the ports of its sites."""
