"""ASR and TTS engines. Each imports its heavy packages itself, only when chosen."""
