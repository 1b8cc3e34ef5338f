"""Exporting a run's model: its own file, a TensorFlow SavedModel, TFLite (float32 and
dynamic-range quantised), each with a snippet that loads it and classifies a 28x28 image.

``formats`` names the formats, ``convert`` writes one atomically, ``measure`` scores TFLite files
on the test set, ``bundle`` builds every Keras export of a run into ``<run>/exports/`` (the
``export`` background job), ``snippets`` gives the loading code. TensorFlow is imported inside the
functions that convert or measure, so reading a run's exports never starts it.
"""
