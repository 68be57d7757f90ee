"""Pinned GraphiQL browser assets, fetched once so GraphiQL works with no internet access.

`graphiql_manifest.json` pins each npm package (version and npm `integrity` of its tarball)
and the files taken from it (path and sha256). `fetch_graphiql_assets()` downloads the
tarballs with `npm pack` (so npm's own registry, proxy and cache settings apply) or, without
npm, straight from the registry over HTTPS; it checks both hashes and writes the files to
`vendor/<name>@<version>/<path>`, the same layout as the CDN fallback's URLs.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

logger = logging.getLogger(__name__)

MANIFEST_PATH = Path(__file__).with_name("graphiql_manifest.json")
STATIC_DIR = Path(__file__).parent / "static" / "graphiql"
VENDOR_DIR = STATIC_DIR / "vendor"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
_NPM_TIMEOUT = 180.0
_HTTP_TIMEOUT = 30.0
FETCH_DESCRIPTION = (
    "Download the pinned GraphiQL browser assets so /graphql serves GraphiQL without any CDN."
)


class GraphiQLAssetError(RuntimeError):
    """The pinned assets could not be downloaded or did not match the manifest."""


@dataclass(frozen=True)
class AssetFile:
    package: str
    version: str
    path: str
    sha256: str
    size: int

    @property
    def relpath(self) -> str:
        """Location under the vendor dir, and under the CDN root."""
        return f"{self.package}@{self.version}/{self.path}"

    @property
    def sri(self) -> str:
        """Subresource Integrity value for a <script>/<link> tag."""
        return "sha256-" + base64.b64encode(bytes.fromhex(self.sha256)).decode()


@dataclass(frozen=True)
class AssetPackage:
    name: str
    version: str
    integrity: str
    files: tuple[AssetFile, ...]

    def tarball_url(self, registry: str) -> str:
        basename = self.name.rsplit("/", 1)[-1]
        return f"{registry.rstrip('/')}/{self.name}/-/{basename}-{self.version}.tgz"


@dataclass(frozen=True)
class Manifest:
    cdn: str
    packages: tuple[AssetPackage, ...]

    @property
    def files(self) -> tuple[AssetFile, ...]:
        return tuple(f for pkg in self.packages for f in pkg.files)

    def describe(self) -> str:
        return ", ".join(f"{pkg.name} {pkg.version}" for pkg in self.packages)


@functools.cache
def load_manifest() -> Manifest:
    raw: dict[str, Any] = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    packages = tuple(
        AssetPackage(
            name=pkg["name"],
            version=pkg["version"],
            integrity=pkg["integrity"],
            files=tuple(
                AssetFile(pkg["name"], pkg["version"], f["path"], f["sha256"], int(f["size"]))
                for f in pkg["files"]
            ),
        )
        for pkg in raw["packages"]
    )
    return Manifest(cdn=raw["cdn"], packages=packages)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _is_verified(dest: Path, asset: AssetFile) -> bool:
    target = dest / asset.relpath
    return target.is_file() and _sha256(target) == asset.sha256


def _check_integrity(pkg: AssetPackage, data: bytes) -> None:
    algorithm, _, expected = pkg.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise GraphiQLAssetError(
            f"{pkg.name}@{pkg.version}: tarball integrity mismatch "
            f"(expected {pkg.integrity}, got {algorithm}-{digest})"
        )


def _write_atomic(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(content)
    os.replace(partial, target)


def _extract(pkg: AssetPackage, data: bytes, dest: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        # npm tarballs nest everything under one top folder, usually "package/".
        members = {m.name.split("/", 1)[-1]: m for m in tar.getmembers() if m.isfile()}
        for asset in pkg.files:
            member = members.get(asset.path)
            fh = tar.extractfile(member) if member is not None else None
            if fh is None:
                raise GraphiQLAssetError(f"{pkg.name}@{pkg.version}: no {asset.path} in tarball")
            content = fh.read()
            if hashlib.sha256(content).hexdigest() != asset.sha256:
                raise GraphiQLAssetError(f"{asset.relpath}: sha256 mismatch")
            _write_atomic(dest / asset.relpath, content)


def _npm_pack(npm: str, packages: Sequence[AssetPackage], workdir: Path) -> dict[str, Path]:
    specs = [f"{pkg.name}@{pkg.version}" for pkg in packages]
    cmd = [npm, "pack", *specs, "--json", "--ignore-scripts", "--pack-destination", str(workdir)]
    try:
        proc = subprocess.run(
            cmd, cwd=workdir, capture_output=True, text=True, timeout=_NPM_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphiQLAssetError(f"npm pack failed: {exc}") from exc
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise GraphiQLAssetError(f"npm pack exited {proc.returncode}: {' | '.join(tail)}")
    try:
        packed = json.loads(proc.stdout)
        by_name = {entry["name"]: workdir / entry["filename"] for entry in packed}
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphiQLAssetError(f"unexpected npm pack output: {exc}") from exc
    return {pkg.name: by_name[pkg.name] for pkg in packages if pkg.name in by_name}


def _http_download(packages: Sequence[AssetPackage], workdir: Path) -> dict[str, Path]:
    # npm's own registry setting, as npm reads it from the environment (either case).
    registry = (
        os.environ.get("NPM_CONFIG_REGISTRY")
        or os.environ.get("npm_config_registry")  # noqa: SIM112
        or DEFAULT_REGISTRY
    )
    result: dict[str, Path] = {}
    with httpx.Client(timeout=_HTTP_TIMEOUT, follow_redirects=True) as client:
        for pkg in packages:
            url = pkg.tarball_url(registry)
            try:
                response = client.get(url)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                raise GraphiQLAssetError(f"download of {url} failed: {exc}") from exc
            target = workdir / f"{pkg.name.replace('/', '-')}-{pkg.version}.tgz"
            target.write_bytes(response.content)
            result[pkg.name] = target
    return result


def _download(packages: Sequence[AssetPackage], workdir: Path) -> dict[str, Path]:
    npm = shutil.which("npm")
    if npm is not None:
        try:
            return _npm_pack(npm, packages, workdir)
        except GraphiQLAssetError as exc:
            logger.warning("%s; downloading the tarballs directly instead", exc)
    return _http_download(packages, workdir)


def _prune_stale(dest: Path, manifest: Manifest) -> None:
    """Drop vendored copies of versions the manifest no longer pins."""
    wanted = {f"{pkg.name}@{pkg.version}" for pkg in manifest.packages}
    names = {pkg.name for pkg in manifest.packages}
    for entry in dest.iterdir() if dest.is_dir() else ():
        name, sep, _ = entry.name.rpartition("@")
        if sep and name in names and entry.name not in wanted and entry.is_dir():
            shutil.rmtree(entry)


def fetch_graphiql_assets(dest: Path | None = None, *, force: bool = False) -> Path:
    """Make the pinned GraphiQL assets present and verified under `dest`; returns `dest`.

    Files already there with the right sha256 are kept, so a second call does no network I/O.
    """
    dest = VENDOR_DIR if dest is None else dest
    manifest = load_manifest()
    pending = [
        pkg
        for pkg in manifest.packages
        if force or not all(_is_verified(dest, f) for f in pkg.files)
    ]
    if not pending:
        logger.info("GraphiQL assets already present in %s", dest)
        return dest
    with tempfile.TemporaryDirectory(prefix="graphiql-assets-") as tmp:
        tarballs = _download(pending, Path(tmp))
        for pkg in pending:
            tarball = tarballs.get(pkg.name)
            if tarball is None or not tarball.is_file():
                raise GraphiQLAssetError(f"{pkg.name}@{pkg.version}: tarball not downloaded")
            data = tarball.read_bytes()
            _check_integrity(pkg, data)
            _extract(pkg, data, dest)
    _prune_stale(dest, manifest)
    logger.info("GraphiQL assets written to %s", dest)
    return dest


def add_fetch_options(parser: argparse.ArgumentParser) -> None:
    """The options of `gateway fetch-graphiql`, read by `run_fetch`."""
    parser.add_argument("--dest", type=Path, default=None, help=f"default: {VENDOR_DIR}")
    parser.add_argument("--force", action="store_true", help="download even if present")


def run_fetch(args: argparse.Namespace) -> int:
    """Fetch as `args` (from `add_fetch_options`) say; the exit status."""
    try:
        dest = fetch_graphiql_assets(args.dest, force=args.force)
    except GraphiQLAssetError as exc:
        print(f"fetch-graphiql: {exc}", file=sys.stderr)
        return 1
    print(f"GraphiQL assets ready in {dest} ({load_manifest().describe()})")
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    """`gateway fetch-graphiql`: download the pinned GraphiQL assets for offline use."""
    parser = argparse.ArgumentParser(prog="gateway fetch-graphiql", description=FETCH_DESCRIPTION)
    add_fetch_options(parser)
    raise SystemExit(run_fetch(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
