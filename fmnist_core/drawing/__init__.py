"""A canvas or a photo turned into the 28x28 input the models take, and back into pictures."""
