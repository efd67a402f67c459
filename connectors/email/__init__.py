"""The email sink: sends each lead card as an email through an SMTP server."""
