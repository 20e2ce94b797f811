"""The read side: every query that pages, operations and the CLI run, one module per part of the app.

Functions here never write. They return ``select()`` statements (views paginate them) or plain rows and
values. Callers import the module they need: ``from quizapp.queries import banks as bank_queries``.
"""
