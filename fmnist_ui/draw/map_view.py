"""The Draw page's map: the user's drawing as a star among the run's 10,000 test images.

The drawing goes through the same model as the test images; its penultimate-layer features are
placed on the run's map (UMAP when it has been computed, else PCA) and compared with the test
images' features to name the class it sits among.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_core.inspection import features, map_payload, projection
from fmnist_core.models import inference
from fmnist_ui.shared import embedding_map, loaders, map_data
from fmnist_ui.shared.i18n import class_name, class_names, error_text, t

NEIGHBOURS = 10
LOOK_ALIKES = 3  # shown as images: a wrong answer explains itself


def render_drawing_map(run_model: inference.RunModel, image: np.ndarray) -> None:
    """The run's map with the drawing (a 28x28 model input) as a star, and its neighbourhood.

    Args:
        run_model: The chosen run's model (the one that judged the drawing).
        image: The drawing as the model sees it, float32 in [0, 1].
    """
    st.markdown("##### " + t("draw.map.heading"))
    features_all = map_data.run_features(run_model.run_id, "draw_map")
    if features_all is None:
        return
    try:  # UMAP when it has been computed (on Evaluate), else PCA
        layout = loaders.load_projection(run_model.run_id, "umap")
    except ValueError:  # a damaged umap.npz: Evaluate's Map tab says so and offers to recompute it
        layout = None
    try:
        layout = layout or loaders.load_projection(run_model.run_id, "pca")
        drawn = features.extract_features(run_model, image[None])
        x, y = projection.place(layout, features_all, drawn)[0]
        nearest = projection.nearest_test_images(features_all, drawn, NEIGHBOURS)[0]
    except ValueError as error:  # e.g. features of another width than the stored ones
        st.error(t("draw.map.not_placed", error=error_text(error)), icon=":material/error:")
        return
    predictions = loaders.load_predictions(run_model.run_id)
    sentence = describe_neighbourhood(predictions.labels[nearest])
    st.markdown(sentence)
    render_look_alikes(nearest[:LOOK_ALIKES], predictions.labels)
    st.caption(map_data.describe_projection(layout) + " " + t("draw.map.nearest_caption", count=NEIGHBOURS))
    points = map_payload.points_payload(layout.coordinates, predictions.labels, predictions.probabilities)
    args = map_payload.map_args(
        points,
        colour="true",
        highlight=nearest,
        highlight_name=t("draw.map.highlight_name"),
        fade=False,
        marked=map_payload.MarkedPoint(float(x), float(y), sentence.replace("**", "")),
    )
    args["class_names"] = class_names()  # the legend's and hover's class names, in the session's language
    embedding_map.embedding_map(args, key="draw_map")


def describe_neighbourhood(neighbour_labels: np.ndarray) -> str:
    """ "Your drawing sits among the **Pullovers** (7 of its 10 nearest test images)." in the
    session's language (as `map_payload.describe_neighbourhood` says it in English)."""
    label, number = map_payload.majority_class(neighbour_labels)
    return t(
        "draw.map.neighbourhood",
        classes=t(f"draw.map.plural.{label}"),
        count=number,
        total=len(neighbour_labels),
    )


def render_look_alikes(indices: np.ndarray, labels: np.ndarray) -> None:
    """The test images nearest to the drawing in the model's feature space, with their classes."""
    st.markdown(t("draw.map.look_alikes"))
    images = loaders.load_dataset().x_test[indices]
    with st.container(horizontal=True, key="draw_look_alikes"):
        for image, index in zip(images, indices, strict=True):
            st.image(
                image,
                caption=t("draw.map.look_alike_caption", index=index, label=class_name(labels[index])),
                width=96,
            )
