from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from hotline.fields import UtcDatetimeField


class Migration(migrations.Migration):
    dependencies = [("hotline", "0003_telegram_media_storage")]

    initial = False

    operations = [
        ops.AddField(
            model_name="VoiceTranscript",
            name="language",
            field=fields.CharField(default="zh-CN", max_length=16),
        ),
        ops.AddField(
            model_name="VoiceTranscript",
            name="replied_at",
            field=UtcDatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
