"""The living world: seeded people, pages, forms, posts and comments that keep coming, and the truth."""
