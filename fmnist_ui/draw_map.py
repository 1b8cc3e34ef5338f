"""The Draw page's map: the user's drawing as a star among the run's 10,000 test images.

The drawing goes through the same model as the test images; its penultimate-layer features are
placed on the run's map (UMAP when it has been computed, else PCA) and compared with the test
images' features to name the class it sits among.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_core import features, inference, map_payload, projection
from fmnist_core.data import CLASS_NAMES
from fmnist_ui import embedding_map, loaders, map_data

NEIGHBOURS = 10
LOOK_ALIKES = 3  # shown as images: a wrong answer explains itself


def render_drawing_map(run_model: inference.RunModel, image: np.ndarray) -> None:
    """The run's map with the drawing (a 28x28 model input) as a star, and its neighbourhood.

    Args:
        run_model: The chosen run's model (the one that judged the drawing).
        image: The drawing as the model sees it, float32 in [0, 1].
    """
    st.markdown("##### Where your drawing sits among the test images")
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
        st.error(f"**Your drawing cannot be placed on the map.** {error}", icon=":material/error:")
        return
    predictions = loaders.load_predictions(run_model.run_id)
    sentence = map_payload.describe_neighbourhood(predictions.labels[nearest])
    st.markdown(sentence)
    render_look_alikes(nearest[:LOOK_ALIKES], predictions.labels)
    st.caption(
        map_data.describe_projection(layout) + f" The outlined points are the {NEIGHBOURS} test images "
        "nearest to your drawing in feature space. Hover a point to see its image."
    )
    points = map_payload.points_payload(layout.coordinates, predictions.labels, predictions.probabilities)
    args = map_payload.map_args(
        points,
        colour="true",
        highlight=nearest,
        highlight_name="Nearest to your drawing",
        fade=False,
        marked=map_payload.MarkedPoint(float(x), float(y), sentence.replace("**", "")),
    )
    embedding_map.embedding_map(args, key="draw_map")


def render_look_alikes(indices: np.ndarray, labels: np.ndarray) -> None:
    """The test images nearest to the drawing in the model's feature space, with their classes."""
    st.markdown("Your drawing looks like these test images (nearest first):")
    images = loaders.load_dataset().x_test[indices]
    with st.container(horizontal=True, key="draw_look_alikes"):
        for image, index in zip(images, indices, strict=True):
            st.image(image, caption=f"Test image {index}: {CLASS_NAMES[labels[index]]}", width=96)
