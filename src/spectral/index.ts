export * from './window';
export * from './options';
export * from './stft';
export * from './spectrogram';
