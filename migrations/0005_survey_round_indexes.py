from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("hotline", "0004_voice_transcript_language_replied")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Survey",
            index=Index(fields=["status", "send_at"]),
        ),
        ops.AddIndex(
            model_name="Survey",
            index=Index(fields=["status", "next_reminder_at"]),
        ),
        ops.AddIndex(
            model_name="Survey",
            index=Index(fields=["status", "expires_at"]),
        ),
    ]
