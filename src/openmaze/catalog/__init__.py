"""The catalog that user objects point at (shows, episodes, people, networks, web
channels): importing TVmaze-shaped JSON, the demo catalog, mirroring an upstream on a
schedule, and loading stored objects for `_embedded`. No HTTP routes (the public API is
`openmaze.public`)."""
