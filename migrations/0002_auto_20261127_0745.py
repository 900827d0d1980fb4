from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hotline', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WechatAccessToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(unique=True, max_length=64)),
                ('token', fields.TextField(default='', unique=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_access_token', 'app': 'hotline', 'pk_attr': 'id', 'table_description': 'The access token of one app id, shared by every process.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('dedup_key', fields.CharField(unique=True, max_length=191)),
                ('openid', fields.CharField(db_index=True, max_length=64)),
                ('kind', fields.CharField(max_length=16)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('wx_msgid', fields.BigIntField(null=True, db_index=True)),
                ('error_code', fields.IntField(null=True)),
                ('error_message', fields.CharField(default='', max_length=255)),
                ('attempts', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_delivery', 'app': 'hotline', 'pk_attr': 'id', 'table_description': 'One outbound message (customer-service, template or subscribe) and what became of it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatMedia',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('msg_id', fields.CharField(unique=True, max_length=64)),
                ('openid', fields.CharField(max_length=64)),
                ('media_id', fields.CharField(max_length=255)),
                ('kind', fields.CharField(max_length=16)),
                ('ref', fields.CharField(max_length=255)),
                ('audio_format', fields.CharField(default='', max_length=16)),
                ('status', fields.CharField(default='pending', max_length=16)),
                ('content_type', fields.CharField(default='', max_length=64)),
                ('size', fields.IntField(default=0)),
                ('transcript', fields.TextField(null=True, unique=False)),
                ('error', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_media', 'app': 'hotline', 'pk_attr': 'id', 'table_description': 'A picture or voice message a citizen sent, fetched from WeChat in the background.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatUser',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('subscribed', fields.BooleanField(default=True)),
                ('subscribed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('unsubscribed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_interaction_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('qr_scene', fields.CharField(default='', max_length=64)),
                ('region_code', fields.CharField(default='', max_length=8)),
                ('last_latitude', fields.FloatField(null=True)),
                ('last_longitude', fields.FloatField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'wechat_user', 'app': 'hotline', 'pk_attr': 'id', 'table_description': 'A follower of the official account, as far as messaging them is concerned.'},
            bases=['Model'],
        ),
    ]
