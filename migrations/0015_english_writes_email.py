"""English writes "email", as both English markets do: the source texts
that said "e-mail" were renamed, so the marketers' wordings of them (kept
by source text and its key, domain.texts) follow the new source text."""
import hashlib


def message_key(msgid, plural=None):
    # domain.texts.message_key, as it was when this was written.
    return hashlib.sha256(f"{msgid}\x00{plural or ''}".encode()).hexdigest()[:32]


def english(text):
    if text is None:
        return None
    return (text.replace("e-mails", "emails").replace("e-mail", "email")
            .replace("E-mails", "Emails").replace("E-mail", "Email"))


def hyphenated(text):
    # No source text said "email" before this migration: the way back is exact.
    if text is None:
        return None
    return (text.replace("emails", "e-mails").replace("email", "e-mail")
            .replace("Emails", "E-mails").replace("Email", "E-mail"))


def rename(db, table, spell):
    # Values as parameters (db.param: ? or %s), so that PostgreSQL's driver
    # reads no "%" of a pattern as a placeholder.
    p = db.param
    rows = db.execute_sql(f"SELECT id, msgid, msgid_plural FROM {table} "
                          f"WHERE msgid LIKE {p} OR msgid_plural LIKE {p}", ("%mail%", "%mail%")).fetchall()
    for row_id, msgid, plural in rows:
        new_id, new_plural = spell(msgid), spell(plural)
        db.execute_sql(f"UPDATE {table} SET msgid = {p}, msgid_plural = {p}, key = {p} WHERE id = {p}",
                       (new_id, new_plural, message_key(new_id, new_plural), row_id))


def up(migrator, db):
    for table in ("text_entry", "text_change"):
        rename(db, table, english)


def down(migrator, db):
    for table in ("text_entry", "text_change"):
        rename(db, table, hyphenated)
