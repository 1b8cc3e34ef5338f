"""The tutorials' code as published, shortened to the lines that decide the result (shown on the
Tutorials page beside each recipe; the improved recipe's is this project's own, in the same style)."""

TF_BASIC = """\
train_images, test_images = train_images / 255.0, test_images / 255.0
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10)
])
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])
model.fit(train_images, train_labels, epochs=10)
probability_model = tf.keras.Sequential([model, tf.keras.layers.Softmax()])"""

SOFTMAX_LOGITS_MISTAKE = """\
train_images, test_images = train_images / 255.0, test_images / 255.0
model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=['accuracy'])
model.fit(train_images, train_labels, epochs=10)"""

NO_HIDDEN = """\
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(train_images / 255.0, train_labels, epochs=10)"""

DROPOUT_256_128 = """\
x_train = x_train / 255.0
y_train = keras.utils.to_categorical(y_train, 10)
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(256, activation='relu'),
    keras.layers.Dropout(0.3),
    keras.layers.Dense(128, activation='relu'),
    keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=10, batch_size=128, validation_split=0.2)"""

LOGREG = """\
X_train = X_train.reshape(-1, 784)   # raw 0-255 pixels, not scaled
model = LogisticRegression()
model.fit(X_train, y_train)"""

SGD = """\
X_train = StandardScaler().fit_transform(X_train.reshape(-1, 784))
model = SGDClassifier(loss='log_loss')
for epoch in range(300):
    model.partial_fit(X_train, y_train, classes=np.unique(y_train))"""

ANN = """\
X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, test_size=0.2)
X_train = StandardScaler().fit_transform(X_train.reshape(-1, 784))
model = keras.Sequential([keras.layers.Dense(10, activation='softmax', input_shape=(784,))])
model.compile(optimizer='rmsprop', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(X_train, y_train, epochs=10, validation_data=(X_val, y_val))"""

DNN = """\
X_train, X_val, y_train, y_val = train_test_split(X_train / 255.0, y_train, test_size=0.2)
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(100, activation='sigmoid'),
    keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
model.fit(X_train, y_train, epochs=10, validation_data=(X_val, y_val))"""

CNN = """\
model = keras.Sequential([
    keras.layers.Conv2D(32, 3, padding='same', activation='relu', input_shape=(28, 28, 1)),
    keras.layers.MaxPooling2D(2),
    keras.layers.Conv2D(64, 3, padding='same', activation='relu'),
    keras.layers.MaxPooling2D(2),
    keras.layers.Flatten(),
    keras.layers.Dense(100, activation='relu'),
    keras.layers.Dropout(0.4),
    keras.layers.Dense(10, activation='softmax')
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
callbacks = [ModelCheckpoint('best.h5', save_best_only=True),
             EarlyStopping(patience=3, restore_best_weights=True)]
model.fit(X_train / 255.0, y_train, epochs=20, validation_data=(X_val / 255.0, y_val),
          callbacks=callbacks)"""

IMPROVED = """\
model = cnn_fast_aug()   # Conv(24) -> Pool -> Conv(48) + BatchNorm -> Pool -> Dense(100) -> Dropout(0.1)
augment = keras.Sequential([keras.layers.RandomTranslation(1/28, 1/28, fill_mode='constant', interpolation='nearest'),
                            keras.layers.RandomFlip('horizontal'),
                            keras.layers.RandomZoom(0.05, fill_mode='constant')])
steps = 24 * math.ceil(54_000 / 256)
rate = keras.optimizers.schedules.CosineDecay(0.005 / 25, decay_steps=steps - int(0.3 * steps),
                                              warmup_target=0.005, warmup_steps=int(0.3 * steps))
model.compile(optimizer=keras.optimizers.Adam(rate),
              loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
              metrics=['accuracy'])
x, y = x_train[..., None] / 255.0, keras.utils.to_categorical(y_train)   # the last 10% validates
train = tf.data.Dataset.from_tensor_slices((x[:54_000], y[:54_000])).shuffle(54_000).batch(256)
model.fit(train.map(lambda images, labels: (augment(images, training=True), labels)), epochs=24,
          validation_data=(x[54_000:], y[54_000:]))"""
