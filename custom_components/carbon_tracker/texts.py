"""The integration's own texts for notifications, in HA's server language, else in English.

They are the ``message`` of keys under ``exceptions`` in the translations, read into HA's
translation cache once (when an entry that sends notifications is set up), so that sending one
never waits for a file.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.helpers import translation
from homeassistant.util import dt as dt_util

from .const import DOMAIN

CATEGORY = "exceptions"
FALLBACK_LANGUAGE = "en"


async def async_load_texts(hass: HomeAssistant) -> None:
    """Have the texts in the cache, in the server language and in English."""
    for language in {hass.config.language, FALLBACK_LANGUAGE}:
        await translation.async_get_translations(hass, language, CATEGORY, {DOMAIN})


def text(hass: HomeAssistant, key: str) -> str | None:
    """A text of the integration in the server language, else in English."""
    full = f"component.{DOMAIN}.{CATEGORY}.{key}.message"
    for language in (hass.config.language, FALLBACK_LANGUAGE):
        texts = translation.async_get_cached_translations(hass, language, CATEGORY, DOMAIN)
        if found := texts.get(full):
            return found
    return None


def local_minute(moment: datetime | str | None) -> str:
    """A moment as people read it everywhere the integration writes one: local, to the minute.

    Events carry ISO 8601 with the local offset; notifications and logbook lines show this.
    """
    if isinstance(moment, str):
        parsed = dt_util.parse_datetime(moment)
        if parsed is None:
            return moment
        moment = parsed
    if moment is None:
        return ""
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M")
