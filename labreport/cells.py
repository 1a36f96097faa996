"""The recurrent cells a spec may name, each written one way in every report, figure and message.

Below every stage: the facts and the figures name cells without importing the model builder.
"""

CELL_TITLES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}

# Keras' layer class for each cell (keras.layers.<name>): its name is the cell's title.  The model builder
# and the exported program both read it here, so the program names the class the run used.
CELL_LAYERS = dict(CELL_TITLES)

# A forecast's models as the reports and the exported program name them: the forecasts computed from the
# windows (no training) and the cells.
BASELINE_TITLES = {"naive": "naive (last value)", "seasonal_naive": "seasonal naive",
                   "linear_ar": "linear autoregression", **CELL_TITLES}
