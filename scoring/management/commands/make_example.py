import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_noop

from scoring.example import EXAMPLE_FOLDER, EXAMPLE_STAGES, example_dir


class Command(BaseCommand):
    help = (
        "Score scikit-image's astronaut portrait (public domain, NASA) and write the front page's "
        "example result into static/scoring/example/. Run again after the model changes."
    )

    def handle(self, *args, **options):
        # Imported here: the web process never needs torch, only this command and the worker.
        from skimage import data

        from ml.inference.annotate import annotate
        from ml.inference.percentile import score_percentile
        from ml.inference.predictor import Predictor
        from ml.inference.score_format import rounded_score

        rgb = data.astronaut()
        predictor = Predictor(device="cpu")
        result = predictor.score_image(rgb, explain=True)
        if not result.faces:
            raise CommandError(f"no face found in the astronaut portrait: {result.error}")
        face = result.faces[0]
        folder = example_dir()
        folder.mkdir(parents=True, exist_ok=True)
        photo = annotate(rgb, [(face.box, face.score)])
        photo.thumbnail((480, 480))
        photo.save(folder / "photo.jpg", quality=85)
        face.insight.grad_cam.save(folder / "gradcam.jpg", quality=88)
        layers = []
        for view in face.insight.layers:
            if view.name in EXAMPLE_STAGES:
                name = f"layer-{view.name}.jpg"
                view.image.save(folder / name, quality=88)
                layers.append({"name": view.name, "file": f"{EXAMPLE_FOLDER}/{name}"})
        summary = {
            "score": rounded_score(face.score),
            "percentile": round(score_percentile(face.score)),
            "model_version": predictor.version,
            "distribution": face.distribution,
            "photo": f"{EXAMPLE_FOLDER}/photo.jpg",
            "grad_cam": f"{EXAMPLE_FOLDER}/gradcam.jpg",
            "layers": layers,
            "credit": gettext_noop("Astronaut Eileen Collins, NASA (public domain), from scikit-image's sample data"),
        }
        (folder / "example.json").write_text(json.dumps(summary, indent=1) + "\n")
        self.stdout.write(f"example written to {folder}: score {summary['score']} / 5")
