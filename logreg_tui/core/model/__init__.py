"""The model's vocabulary: settings and options, the data set, θ, histories, runs and events, snapshots, pacing."""
