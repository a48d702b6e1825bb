// tfjs-layers' Conv2D with the plain convolution op when it has neither bias nor activation.
import * as tf from '../tf';

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];

/** tfjs-layers' Conv2D class as registered for deserialisation (see batch_norm.ts for why). */
const TfConv2D = tf.serialization.SerializationMap.getMap().classNameMap.Conv2D[0] as unknown as new (
  args: Conv2DArgs,
) => tf.layers.Layer;

/** The private fields of tfjs's layer that `call` reads. */
interface Conv2DFields {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  activation: { getClassName(): string };
  strides: [number, number];
  padding: 'same' | 'valid' | 'causal';
  dataFormat: 'channelsLast' | 'channelsFirst';
  dilationRate: [number, number];
}

/**
 * tfjs-layers' `Conv2D` (same class name, config, weights: saved models are unchanged and load
 * into this class). Without bias and with a linear activation (a convolution followed by batch
 * norm) it calls `tf.conv2d` where tfjs calls `tf.fused.conv2d`: the same kernel and values, but
 * the fused op's gradient (a customGrad) computes the gradient of the input too, even when nothing
 * needs it, as for the first convolution of a network, whose input has no weights upstream. The
 * plain op's gradient is lazy per input, so tfjs skips that backward convolution (on wasm 35 ms of
 * a 400 ms training step of the default detector). Every other configuration is tfjs's own call.
 */
export class Conv2D extends TfConv2D {
  static readonly className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: object): tf.Tensor | tf.Tensor[] {
    const f = this as unknown as Conv2DFields;
    const plain =
      f.bias == null &&
      f.activation.getClassName() === 'linear' &&
      f.dataFormat === 'channelsLast' &&
      f.padding !== 'causal';
    if (!plain) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      return tf.conv2d(
        x,
        f.kernel.read() as tf.Tensor4D,
        f.strides,
        f.padding as 'same' | 'valid',
        'NHWC',
        f.dilationRate,
      );
    });
  }
}
tf.serialization.registerClass(Conv2D as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);

/** A {@link Conv2D} layer (the drop-in for `tf.layers.conv2d`). */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}
