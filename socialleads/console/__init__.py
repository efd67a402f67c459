"""The console: the web app people use, served by the bot at ``/`` on the API's port (docs/console.md).

Pages are server-rendered shells (``templates/``) that only say who is signed in and which page it is;
what they show comes from ``/api/v1`` through the scripts in ``static/``, so the console can do
nothing the API would refuse the same person. Every asset is served from here: it works offline.
"""
