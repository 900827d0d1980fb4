from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("hotline", "0002_auto_20261127_0927")]

    initial = False

    operations = [
        ops.AddField(
            model_name="TelegramMedia",
            name="storage",
            field=fields.CharField(default="local", max_length=8),
        ),
    ]
