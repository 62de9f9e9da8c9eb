"""What the compression transcripts (bz2_streams.py, lzma_streams.py) print for a tar archive and a
zip member made in memory with one compression and read back."""
import hashlib
import io
import tarfile
import zipfile


def digest(data):
    return f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}"


def round_trips(attempt, tar_mode, zip_compression, text, noise):
    """A tar archive written with `tar_mode` ("w:bz2") holding the start of `text` and `noise`,
    and a zip member compressed with `zip_compression`, each read back through `attempt`."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode=tar_mode) as tar:
        for name, data in (("a.txt", text[:5000]), ("b.bin", noise[:5000])):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    archive.seek(0)
    with tarfile.open(fileobj=archive, mode="r:*") as tar:
        attempt("tar members", lambda: [(m.name, m.size, digest(tar.extractfile(m).read())) for m in tar])
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zip_compression) as z:
        z.writestr(zipfile.ZipInfo("t.txt", (1980, 1, 1, 0, 0, 0)), text[:20000])
    with zipfile.ZipFile(zipped) as z:
        attempt("zip member", lambda: (z.testzip(), digest(z.read("t.txt"))))
