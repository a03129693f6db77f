"""Photos on S3 through django-storages, against moto's S3 server on loopback."""

import io
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage

from scoring.media import private_url
from scoring.models import Photo
from scoring.services import photos, pipeline

pytestmark = pytest.mark.django_db
BUCKET = "beauty-photos"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    yield endpoint
    server.terminate()
    server.wait(10)


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_photos_and_results_live_in_the_bucket_behind_signed_urls(s3_storage, alice, face_upload, s3_server):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    photo = Photo.objects.get(pk=photo.pk)
    assert photo.status == "done"
    assert photo.image.name in keys(s3_storage) and len(keys(s3_storage)) == len(photo.stored_files())

    signed = private_url(photo.faces.get().grad_cam)
    assert "Signature" in signed or "X-Amz-Signature" in signed
    with urllib.request.urlopen(signed) as response:
        assert response.read(3) == b"\xff\xd8\xff"  # JPEG thumbnails

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_server}/{BUCKET}/{photo.image.name}")
    assert refused.value.code == 403


def test_deleting_a_photo_empties_the_bucket(s3_storage, alice, face_upload):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    assert keys(s3_storage)
    photos.photo_delete(photo=Photo.objects.get(pk=photo.pk))
    assert keys(s3_storage) == []
    assert default_storage.__class__.__name__ != "FileSystemStorage"


def test_the_export_zip_copies_every_file_from_the_bucket(s3_storage, alice, face_upload, client):
    photo = photos.photo_create(owner=alice, upload=face_upload)
    pipeline.run_scoring_job(public_id=photo.public_id)
    photo = Photo.objects.get(pk=photo.pk)
    client.force_login(alice)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get("/account/export/").streaming_content)))
    original = s3_storage.get_object(Bucket=BUCKET, Key=photo.image.name)["Body"].read()
    (scores,) = json.loads(archive.read("scores.json"))
    assert scores["id"] == str(photo.public_id)
    assert archive.read(f"photos/{scores['folder']}/original.jpg") == original  # folders are named by label
    assert len(archive.namelist()) == len(photo.stored_files()) + 2  # and README.txt, scores.json
