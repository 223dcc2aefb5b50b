"""Data Docs that open from disk with no network: GX's HTML loads Bootstrap, jQuery, Font Awesome
and bootstrap-table from CDNs; this copies the same libraries from PyPI packages (``xstatic-*``)
next to the site and points every page at the local copies.

The site (``$MOTCUA_DATA_DIR/docs/gx``) gets a ``vendor/`` folder:

=========================  ==================================================================
``vendor/jquery/``         jQuery 3.7.1 (``xstatic-jquery``; GX asks for 3.7.1)
``vendor/bootstrap/``      Bootstrap 4.5.3 CSS and the JS bundle that includes Popper
                           (``xstatic-bootstrap``; GX asks for 4.3.1 and Popper 1.x)
``vendor/font-awesome/``   Font Awesome 6.2.1 CSS and web fonts (``xstatic-font-awesome``)
``vendor/motcua-table.js`` the part of bootstrap-table GX uses (``expectations/static``):
                           bootstrap-table has no PyPI package
``vendor/gx/logo-long.png`` GX's logo, from the ``great_expectations`` package itself: the pages
                           load it from GX's web host with the data context's id in the
                           address (telemetry), so the page points at this copy instead
=========================  ==================================================================

Left out, with their tags removed: the bootstrap-table filter-control extension and the date
picker it uses (the index gets a search box instead), the optional dark theme, and Vega (GX
draws charts only for profiling expectations, which the motcua suites do not use).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR = "vendor"
STATIC_DIR = Path(__file__).with_name("static")

# Remote URL (searched in the tag's src/href) -> local file under vendor/, or None to drop the tag.
# Order matters: the first pattern that matches wins.
URL_MAP: tuple[tuple[re.Pattern[str], str | None], ...] = tuple(
    (re.compile(pattern), target)
    for pattern, target in (
        (r"/logo-long\.png", "gx/logo-long.png"),
        (r"bootstrap-table@[^/]+/dist/bootstrap-table(\.min)?\.js", "motcua-table.js"),
        (r"bootstrap-table", None),  # its CSS and the filter-control extension
        (r"bootstrap-datepicker", None),
        (r"bootstrap-dark|prefers-dark", None),
        (r"/vega(-lite|-embed)?@", None),
        (r"popper", None),  # inside bootstrap.bundle.min.js
        (r"jquery[-.\d]*(\.min)?\.js", "jquery/jquery.min.js"),
        (r"bootstrap/[\d.]+/css/bootstrap(\.min)?\.css", "bootstrap/css/bootstrap.min.css"),
        (r"bootstrap/[\d.]+/js/bootstrap(\.min)?\.js", "bootstrap/js/bootstrap.bundle.min.js"),
        (r"font-awesome/[\d.]+/css/all(\.min)?\.css", "font-awesome/css/all.min.css"),
    )
)

_SCRIPT = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*["'](?P<url>(?:https?:)?//[^"']+)["'][^>]*>\s*</script>""",
    re.IGNORECASE,
)
_LINK = re.compile(
    r"""<link\b[^>]*?\bhref\s*=\s*["'](?P<url>(?:https?:)?//[^"']+)["'][^>]*?/?>""",
    re.IGNORECASE,
)
_IMG = re.compile(
    r"""<img\b[^>]*?\bsrc\s*=\s*["'](?P<url>(?:https?:)?//[^"']+)["'][^>]*?/?>""",
    re.IGNORECASE | re.DOTALL,
)
# What the offline test looks for: a script, stylesheet or image still loaded from the network.
REMOTE_ASSET = re.compile(
    r"""<(?:script\b[^>]*\bsrc|link\b[^>]*\bhref|img\b[^>]*?\bsrc)\s*=\s*["'](?:https?:)?//""",
    re.IGNORECASE | re.DOTALL,
)


def _sources() -> dict[str, Path]:
    """Local files to copy into vendor/: target name -> source file or folder."""
    import xstatic.pkg.bootstrap as bootstrap
    import xstatic.pkg.font_awesome as font_awesome
    import xstatic.pkg.jquery as jquery

    bs = Path(bootstrap.BASE_DIR)
    fa = Path(font_awesome.BASE_DIR)
    # found without importing GX (seconds): only its package folder is needed
    gx_dir = Path(importlib.util.find_spec("great_expectations").origin).parent
    return {
        "gx/logo-long.png": gx_dir / "render" / "view" / "static" / "images" / "logo-long.png",
        "jquery/jquery.min.js": Path(jquery.BASE_DIR) / "jquery.min.js",
        "bootstrap/css/bootstrap.min.css": bs / "css" / "bootstrap.min.css",
        "bootstrap/js/bootstrap.bundle.min.js": bs / "js" / "bootstrap.bundle.min.js",
        "font-awesome/css/all.min.css": fa / "css" / "all.min.css",
        "font-awesome/webfonts": fa / "webfonts",  # all.min.css loads ../webfonts/*
        "font-awesome/LICENSE.txt": fa / "LICENSE.txt",
        "motcua-table.js": STATIC_DIR / "motcua-table.js",
    }


def install_assets(site_dir: Path) -> Path:
    """Copy the libraries into ``site_dir/vendor`` (again only when a file changed)."""
    vendor = site_dir / VENDOR
    for target, source in _sources().items():
        dest = vendor / target
        if source.is_dir():
            for file in source.iterdir():
                _copy(file, dest / file.name)
        else:
            _copy(source, dest)
    return vendor


def _copy(source: Path, dest: Path) -> None:
    if dest.exists() and dest.stat().st_size == source.stat().st_size:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)


def _local(url: str) -> tuple[bool, str | None]:
    for pattern, target in URL_MAP:
        if pattern.search(url):
            return True, target
    return False, None


def rewrite_html(html: str, relative_vendor: str) -> str:
    """Point every CDN ``<script>``/stylesheet ``<link>`` and every remote ``<img>`` of one page
    at ``relative_vendor`` (the vendor folder relative to the page), or drop it (see
    ``URL_MAP``). A remote asset nobody mapped is dropped with a warning: the page must never
    wait on the network, nor tell anyone that it was opened."""
    seen: set[str] = set()

    def replace(match: re.Match[str], script: bool) -> str:
        tag, url = match.group(0), match.group("url")
        if not script and not re.search(r"""rel\s*=\s*["']?(stylesheet|preload)""", tag, re.I):
            return tag  # a plain link (e.g. to the GX website) loads nothing
        known, target = _local(url)
        if not known:
            log.warning("Data Docs: no local copy of %s; tag removed", url)
        if target is None or target in seen:
            return ""
        seen.add(target)
        href = f"{relative_vendor}/{target}"
        if script:
            return f'<script src="{href}"></script>'
        return f'<link rel="stylesheet" href="{href}"/>'

    def replace_image(match: re.Match[str]) -> str:
        tag, url = match.group(0), match.group("url")
        known, target = _local(url)
        if not known:
            log.warning("Data Docs: no local copy of %s; image removed", url)
        if target is None:
            return ""
        return tag.replace(url, f"{relative_vendor}/{target}")

    html = _SCRIPT.sub(lambda m: replace(m, True), html)
    html = _IMG.sub(replace_image, html)
    return _LINK.sub(lambda m: replace(m, False), html)


def make_offline(site_dir: Path) -> int:
    """Install the assets and rewrite every HTML page of the site that still loads a remote
    asset. Returns the number of pages rewritten."""
    if not site_dir.is_dir():
        return 0
    vendor = install_assets(site_dir)
    # Pages GX wrote since the last rewrite only (validation pages pile up night after night).
    stamp = vendor / ".rewritten"
    since = stamp.stat().st_mtime - 2 if stamp.exists() else 0.0
    started = time.time()
    rewritten = 0
    for page in site_dir.rglob("*.html"):
        if vendor in page.parents or page.stat().st_mtime < since:
            continue
        html = page.read_text(encoding="utf-8")
        if not REMOTE_ASSET.search(html):
            continue
        relative = Path(os.path.relpath(vendor, page.parent)).as_posix()
        page.write_text(rewrite_html(html, relative), encoding="utf-8")
        rewritten += 1
    stamp.touch()
    os.utime(stamp, (started, started))
    return rewritten


def remote_assets(html: str) -> list[str]:
    """The remote scripts and stylesheets a page still loads (for tests and checks)."""
    return [m.group(0) for m in REMOTE_ASSET.finditer(html)]
